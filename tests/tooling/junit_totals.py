"""Print one line totalling pytest JUnit XML reports: 'pytest: N passed, N failed, N skipped'.

Exit code 1 when no test ran at all (pytest's exit code 5 case) or a report is missing/unreadable,
so `make test` cannot pass on an empty test suite.
"""

import sys
from xml.etree import ElementTree


def totals(paths):
    passed = failed = skipped = 0
    for path in paths:
        root = ElementTree.parse(path).getroot()
        suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
        for suite in suites:
            tests = int(suite.get('tests', 0))
            bad = int(suite.get('failures', 0)) + int(suite.get('errors', 0))
            skip = int(suite.get('skipped', 0))
            failed += bad
            skipped += skip
            passed += tests - bad - skip
    return passed, failed, skipped


def main(paths):
    if not paths:
        print('pytest: no JUnit report found (did the pytest stages run?)')
        return 1
    try:
        passed, failed, skipped = totals(paths)
    except (OSError, ElementTree.ParseError) as exc:
        print('pytest: cannot read JUnit report: %s' % exc)
        return 1
    print('pytest: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
    if passed + failed == 0:
        print('pytest: no test ran')
        return 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main([path for path in sys.argv[1:] if not path.endswith('*.xml')]))
