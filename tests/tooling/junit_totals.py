"""Print one line totalling the JUnit XML reports of make test: 'pytest: N passed, N failed, N skipped'.

The reports are pytest's (units, integration, compat) and the importer stage's, whose checks
(tarball build, contents, size, import, no warnings) count as tests. A line before the total gives
the tests per report, so a stage that ran nothing stands out.

Exit code 1 when no test ran at all (pytest's exit code 5 case) or a report is missing/unreadable,
so `make test` cannot pass on an empty test suite.
"""

import os
import sys
from xml.etree import ElementTree


def totals(paths, per_report=None):
    passed = failed = skipped = 0
    for path in paths:
        root = ElementTree.parse(path).getroot()
        suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
        count = 0
        for suite in suites:
            tests = int(suite.get('tests', 0))
            bad = int(suite.get('failures', 0)) + int(suite.get('errors', 0))
            skip = int(suite.get('skipped', 0))
            failed += bad
            skipped += skip
            passed += tests - bad - skip
            count += tests
        if per_report is not None:
            per_report.append((os.path.basename(path)[:-len('.xml')], count))
    return passed, failed, skipped


def main(paths):
    if not paths:
        print('pytest: no JUnit report found (did the pytest stages run?)')
        return 1
    per_report = []
    try:
        passed, failed, skipped = totals(paths, per_report)
    except (OSError, ElementTree.ParseError) as exc:
        print('pytest: cannot read JUnit report: %s' % exc)
        return 1
    print('tests per report: %s' % ', '.join('%s %d' % item for item in per_report))
    print('pytest: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
    if passed + failed == 0:
        print('pytest: no test ran')
        return 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main([path for path in sys.argv[1:] if not path.endswith('*.xml')]))
