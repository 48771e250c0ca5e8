import sys

from relu_hmc.cli import main

sys.exit(main())
