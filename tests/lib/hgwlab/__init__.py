# SPDX-License-Identifier: ISC
"""hgwlab - the shared harness of hybridgw's integration, interop and scenario
tests: namespaces, veth links, hybridgwd, real peers (FRR, BIRD, GoBGP, ExaBGP,
strongSwan), silent failures, ping-stream loss, containerlab topologies.

    import os, sys
    sys.path.insert(0, os.environ['HGW_SRC'] + '/tests/lib')
    from hgwlab.fixtures import *	# pytest fixtures
    import hgwlab

Everything started registers a closer run at interpreter exit, on top of the
fixtures' own teardown, so namespaces and daemons never outlive a test run."""

from .util import unique_name, make_workdir, run, wait_for, WaitTimeout, prefixes	# noqa: F401
from .netns import Netns, veth	# noqa: F401
from .proc import Proc	# noqa: F401
from .hgw import (Hybridgwd, hybridgwctl, validate_config, run_daemon_once,	# noqa: F401
		  build_dir, src_dir, hybridgwd_path, hybridgwctl_path, CtlError,
		  sanitizer_errors)
from .frr import Frr	# noqa: F401
from .peers import Bird, Gobgp, Exabgp	# noqa: F401
from .swan import Swan	# noqa: F401
from .nft import silence, unsilence, silenced, Silence	# noqa: F401
from .ping import PingStream	# noqa: F401
from .topo import Lab, Topology	# noqa: F401
