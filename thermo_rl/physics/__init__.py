"""Statistical physics: N-level systems, lattices, exact results, path integrals."""
