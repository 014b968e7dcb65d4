"""Parser tests are pure Python: no database, no Django fixtures needed."""

import os
import tempfile

from hypothesis import configuration

# The suite runs with -p no:cacheprovider to keep caches out of the checkout;
# send Hypothesis' example database and caches to the temp directory likewise.
configuration.set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "empathy-parsers-hypothesis"))
