"""The control-room console: static front end, served by the bridge (no internet at run time)."""
