"""Cache the pip bootstrap script that ``ansible-test --venv`` needs, offline if need be.

ansible-test downloads get-pip.py into ``~/.ansible/test/cache/get_pip_<version>.py`` before it
builds a virtualenv, and fails without internet access. ``tests/tooling/ansible_test.sh`` runs this
with HOME pointed inside the clone; it caches the real script when it can be downloaded and
``get_pip_standin.py`` (which bootstraps pip with ensurepip) when it cannot.
"""

import os
import re
import shutil
import sys
import urllib.request
from types import SimpleNamespace

import ansible_test
from ansible_test._internal.python_requirements import get_venv_packages

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'get_pip_standin.py')


def main():
    version = get_venv_packages(SimpleNamespace(version='%d.%d' % sys.version_info[:2]))['pip']
    # The URL and cache path are read from ansible-test itself, so a new release cannot drift from us.
    setup = os.path.join(os.path.dirname(ansible_test.__file__), '_util', 'target', 'setup', 'requirements.py')
    with open(setup, encoding='utf-8') as handle:
        text = handle.read()
    url = re.search(r"url = '(https://[^']*%s[^']*)'", text).group(1) % version
    cache_path = os.path.expanduser(
        re.search(r"cache_path = os\.path\.expanduser\('([^']*%s[^']*)'", text).group(1) % version.replace('.', '_'))
    if os.path.exists(cache_path):
        return 0
    os.makedirs(os.path.dirname(cache_path), exist_ok=True)
    temp_path = cache_path + '.download'
    try:
        with urllib.request.urlopen(url, timeout=10) as answer, open(temp_path, 'wb') as out:
            shutil.copyfileobj(answer, out)
        print('ensure_get_pip: downloaded %s' % url)
    except Exception as exc:  # pylint: disable=broad-except  # any failure means no internet here
        print('ensure_get_pip: cannot download %s (%s); caching the offline stand-in' % (url, exc))
        shutil.copyfile(STANDIN, temp_path)
    os.replace(temp_path, cache_path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
