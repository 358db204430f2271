"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test creates an empty virtual environment and then runs
``~/.ansible/test/cache/get_pip_<version>.py <pip options> pip==<version> --no-setuptools --no-wheel``
to put pip into it. The real script comes from the internet; on an air-gapped machine
tests/tooling/ensure_get_pip.py copies this file to that cache path instead.

It bootstraps the pip bundled with this Python (ensurepip, no network) and then lets that pip
install the requested packages from the configured package index or mirror.
"""
import ensurepip
import os
import subprocess
import sys

# Flags only get-pip.py understands; pip install itself rejects them.
GET_PIP_ONLY_FLAGS = {'--no-setuptools', '--no-wheel'}


def main():
    ensurepip.bootstrap(upgrade=True)
    # ensurepip points pip at an empty configuration while it runs and leaves that in
    # os.environ; the follow-up install must see the machine's pip configuration (mirror).
    os.environ.pop('PIP_CONFIG_FILE', None)
    os.environ.pop('ENSUREPIP_OPTIONS', None)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    if not any(not arg.startswith('-') for arg in args):
        return 0  # only options, nothing to install beyond the bundled pip
    return subprocess.call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    sys.exit(main())
