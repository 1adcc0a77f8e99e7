"""`python -m services.contract > docs/asyncapi.yaml`"""

import logging
import sys

from services.contract import generate, render

if __name__ == "__main__":
    logging.disable(logging.WARNING)  # the stand-in services' start-up says nothing worth reading here
    sys.stdout.write(render(generate()))
