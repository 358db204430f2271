"""Make sure ansible-test can bootstrap pip into the virtual environments it creates.

ansible-test (``--venv``) downloads a get-pip.py script from the internet into
``~/.ansible/test/cache/get_pip_<version>.py`` unless that file already exists. This helper:

1. reads the pip version, URL and cache path from the installed ansible-test itself;
2. does nothing when the cache file is already there;
3. otherwise tries the real download (short timeout) and caches it exactly as ansible-test would;
4. only if the download is impossible (air-gapped machine, as our CI), installs
   tests/tooling/get_pip_standin.py at the cache path, which bootstraps pip offline.

Run it with the Python that has ansible-core installed (the repo venv). Exit code 0 on success.
"""

import os
import re
import shutil
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, 'get_pip_standin.py')
STANDIN_MARKER = 'hwcloud.sms get-pip stand-in'
DOWNLOAD_TIMEOUT = 10  # seconds; a working network answers well within that

# Used only if the installed ansible-test changes shape and cannot be read.
FALLBACK_URL = 'https://ci-files.testing.ansible.com/ansible-test/get-pip-%s.py'
FALLBACK_CACHE = '~/.ansible/test/cache/get_pip_%s.py'


def log(message):
    print('ensure_get_pip: %s' % message, flush=True)


def ansible_test_root():
    import ansible_test
    return os.path.dirname(ansible_test.__file__)


def pip_version():
    """The pip version ansible-test bootstraps (get_venv_packages' default for our Python)."""
    from types import SimpleNamespace
    from ansible_test._internal.python_requirements import get_venv_packages
    version = '%d.%d' % sys.version_info[:2]
    return get_venv_packages(SimpleNamespace(version=version))['pip']


def url_and_cache_templates():
    """The download URL and cache path patterns, read from ansible-test's bootstrap code."""
    path = os.path.join(ansible_test_root(), '_util', 'target', 'setup', 'requirements.py')
    with open(path, encoding='utf-8') as source:
        text = source.read()
    url = re.search(r"url = '(https://[^']*%s[^']*)'", text)
    cache = re.search(r"cache_path = os\.path\.expanduser\('([^']*%s[^']*)'", text)
    if not url or not cache:
        log('could not read the bootstrap URL from %s; using the known defaults' % path)
        return FALLBACK_URL, FALLBACK_CACHE
    return url.group(1), cache.group(1)


def main():
    version = pip_version()
    url_template, cache_template = url_and_cache_templates()
    url = url_template % version
    cache_path = os.path.expanduser(cache_template % version.replace('.', '_'))

    if os.path.exists(cache_path):
        with open(cache_path, encoding='utf-8', errors='replace') as cached:
            kind = 'offline stand-in' if STANDIN_MARKER in cached.read() else 'downloaded script'
        log('pip %s bootstrap already cached (%s): %s' % (version, kind, cache_path))
        return 0

    os.makedirs(os.path.dirname(cache_path), exist_ok=True)
    temp_path = cache_path + '.download'
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as answer, open(temp_path, 'wb') as out:
            shutil.copyfileobj(answer, out)
    except Exception as exc:  # any failure means: no internet for this
        if os.path.exists(temp_path):
            os.remove(temp_path)
        log('cannot download %s (%s); installing the offline stand-in' % (url, exc))
        shutil.copyfile(STANDIN, temp_path)
    else:
        log('downloaded %s' % url)
    os.replace(temp_path, cache_path)
    log('pip %s bootstrap cached at %s' % (version, cache_path))
    return 0


if __name__ == '__main__':
    sys.exit(main())
