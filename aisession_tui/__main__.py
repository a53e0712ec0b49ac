"""`python -m aisession_tui`."""

from .entry import main

raise SystemExit(main())
