"""`python -m aisession_tui.demo`."""

from .cli import main

raise SystemExit(main())
