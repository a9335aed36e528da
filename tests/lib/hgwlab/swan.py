# SPDX-License-Identifier: ISC
"""hgwlab/swan.py - strongSwan 5.9 charon-systemd with kernel-libipsec (userspace
ESP over TUN) in a namespace, per /work/shared/notes/real-peers.md.

The openssl and curve25519 plugins (AES-GCM, x25519) come with Debian's
libstrongswan-standard-plugins; without it only aes/sha2/hmac/gmp proposals such
as aes128-sha256-modp2048 work (charon skips the plugins it cannot load)."""

import os

from . import util
from .proc import Daemon, Proc

STRONGSWAN_CONF = """# written by hgwlab for one charon-systemd instance
charon {
  load_modular = no
  load = random nonce openssl pem pkcs1 x509 pubkey sha1 sha2 hmac aes gcm gmp curve25519 kdf kernel-libipsec kernel-netlink socket-default vici updown
  filelog {
    log { path = $DIR/charon.log
          time_format = %T
          default = 1
          flush_line = yes }
  }
  plugins {
    vici { socket = unix://$DIR/charon.vici }
  }
}
charon-systemd {
  journal { default = -1 }
}
swanctl {
  load = pem pkcs1 x509 revocation constraints pubkey openssl random
  socket = unix://$DIR/charon.vici
}
"""


class Swan(Daemon):
	"""charon-systemd with STRONGSWAN_CONF=DIR/strongswan.conf; `swanctl_conf`
	(text or path) is loaded with swanctl --load-all once the VICI socket is up."""

	def __init__(self, ns, swanctl_conf, workdir=None, name='swan', strongswan_conf=None):
		self.ns, self.name = ns, name
		self.dir = workdir or util.make_workdir('swan-' + name)
		self._own_dir = workdir is None
		text = swanctl_conf
		if '\n' not in text and os.path.isfile(text):
			with open(text) as f:
				text = f.read()
		self.swanctl_conf = os.path.join(self.dir, 'swanctl.conf')
		with open(self.swanctl_conf, 'w') as f:
			f.write(text.replace('$DIR', self.dir))
		os.chmod(self.swanctl_conf, 0o600)
		self.conf = os.path.join(self.dir, 'strongswan.conf')
		with open(self.conf, 'w') as f:
			f.write((strongswan_conf or STRONGSWAN_CONF).replace('$DIR', self.dir))
		self.vici = os.path.join(self.dir, 'charon.vici')
		self.env = dict(os.environ, STRONGSWAN_CONF=self.conf)
		self.proc = None

	def start(self, timeout=10.0, detach=False):
		name = getattr(self.ns, 'name', self.ns)
		self.proc = Proc(['ip', 'netns', 'exec', name, '/usr/sbin/charon-systemd'],
				 os.path.join(self.dir, 'charon.out'), env=self.env, detach=detach,
				 name=self.name)
		util.wait_for(lambda: self._alive() and os.path.exists(self.vici), timeout, 0.05,
			      'charon %s VICI socket' % self.name)
		self.swanctl(['--load-all', '--file', self.swanctl_conf])
		return self

	def _alive(self):
		if not self.proc.alive():
			raise util.Fatal('charon %s exited:\n%s' % (self.name, self.proc.tail()))
		return True

	def swanctl(self, args, check=True, timeout=30):
		"""Run swanctl ARGS; the swanctl section of our strongswan.conf points
		it at this instance's VICI socket."""
		p = util.run(['swanctl'] + list(args), env=self.env, check=check, timeout=timeout)
		return p.stdout if check else p

	def initiate(self, child, timeout=20):
		return self.swanctl(['--initiate', '--child', child, '--timeout', str(timeout)],
				    timeout=timeout + 5)

	def list_sas(self):
		return self.swanctl(['--list-sas'])
