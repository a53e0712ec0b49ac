"""`python -m aisession_tui`."""

from .cli import main

raise SystemExit(main())
