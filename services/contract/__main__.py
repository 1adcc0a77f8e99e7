"""`python -m services.contract > docs/asyncapi.yaml`"""

import logging
import sys

from services.contract import generate, render

if __name__ == "__main__":
    logging.disable(logging.WARNING)  # probing a subscriber may dead-letter its empty message, to nowhere
    sys.stdout.write(render(generate()))
