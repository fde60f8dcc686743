from hiptrack.cli import main

raise SystemExit(main())
