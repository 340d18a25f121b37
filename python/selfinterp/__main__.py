"""`python -m selfinterp ...`: the bundled binary with the same arguments and exit code."""

import sys

from selfinterp._binary import run_binary

if __name__ == "__main__":
    sys.exit(run_binary(sys.argv[1:]))
