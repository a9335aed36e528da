# SPDX-License-Identifier: ISC
"""tests/ship/conftest.py - shared bits of the shipping tests (unit, package, man pages,
completion): paths of the source and build trees, the scratch cache for slow artefacts."""

import os
import sys

SRC = os.environ.get('HGW_SRC') or os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BUILD = os.environ.get('HGW_BUILD') or os.path.join(SRC, 'build')
sys.path.insert(0, os.path.join(SRC, 'tests', 'lib'))

# Debootstrap roots, built packages: kept between runs so that reruns are fast.
CACHE = os.environ.get('HGW_TEST_CACHE', '/var/cache/hybridgw-test')
