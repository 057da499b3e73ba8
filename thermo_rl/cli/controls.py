"""``thermo-rl controls``: the registry of entropy controls, with papers and parameters."""

from __future__ import annotations

HELP = ("list the registered entropy controls: summary, paper, parameters (ours beside the "
        "paper's), the hooks they use")


def add_arguments(p):
    p.add_argument("names", nargs="*", help="controls to show (default all)")


def check(args):
    """Every name is a registered control."""
    from ..entropy.registry import control_class

    for n in args.names:
        control_class(n)
    return {"controls": list(args.names) or "all"}


def run(args):
    from ..entropy.registry import control_class, describe_controls

    if args.names:
        rows = [control_class(n).describe() for n in args.names]
    else:
        rows = describe_controls()
    return {"controls": rows}


def _paper(p) -> str:
    if p is None:
        return "(no paper)"
    return f"{p['authors']} {p['year']}" + (f", arXiv:{p['arxiv']}" if p["arxiv"] else "")


def render(r) -> str:
    lines = []
    for c in r["controls"]:
        lines.append(f"{c['name']:<20}{c['summary']}")
        lines.append(f"{'':<20}{_paper(c['paper'])}; acts on {c['entropy'] or '-'} entropy; "
                     f"hooks: {', '.join(c['hooks']) or '-'}")
        for q in c["params"]:
            paper = "-" if q["paper"] is None else q["paper"]
            lines.append(f"{'':<22}{q['name']:<16} ours {q['default']!s:<14} paper "
                         f"{paper!s:<10} {q['doc']}")
        if c["paper_run"]:
            lines.append(f"{'':<22}paper preset also sets {c['paper_run']}")
        if c["notes"]:
            lines.append(f"{'':<22}note: {c['notes']}")
    return "\n".join(lines)
