import sys

from tools.content_check.cli import main

sys.exit(main())
