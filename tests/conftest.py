import os

os.environ.setdefault("THERMO_RL_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
