from ccats.cli import main

raise SystemExit(main())
