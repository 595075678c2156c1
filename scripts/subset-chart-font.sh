#!/usr/bin/env bash
# Rebuilds reports/fonts/NotoSansSC-Regular-subset.ttf, the chart font
# compiled into crmkit (see reports/font.go and reports/fonts/README.md).
#
# Source: Noto Sans SC Regular, static TrueType-outline instance, from the
# npm package @expo-google-fonts/noto-sans-sc (OFL 1.1). Subsetter:
# pyftsubset from Debian's python3-fonttools.
#   apt-get install -y python3-fonttools
#   scripts/subset-chart-font.sh path/to/NotoSansSC_400Regular.ttf
set -euo pipefail
src=${1:?usage: $0 NotoSansSC_400Regular.ttf}
cd "$(dirname "$0")/.."
out=reports/fonts/NotoSansSC-Regular-subset.ttf
codes=$(mktemp)
trap 'rm -f "$codes"' EXIT
# Every character of GB 2312 (6,763 hanzi, punctuation, full-width forms),
# plus ASCII, Latin-1, general punctuation, currency signs, arrows and
# geometric shapes (▲▼■), CJK symbols and the half/full-width block.
/usr/bin/python3 - "$codes" <<'PY'
import sys
cps = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070)) \
    | set(range(0x20A0, 0x20C0)) | set(range(0x2190, 0x2200)) | set(range(0x25A0, 0x2600)) \
    | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
for b1 in range(0xA1, 0xF8):
    for b2 in range(0xA1, 0xFF):
        try:
            cps.add(ord(bytes([b1, b2]).decode("gb2312")))
        except UnicodeDecodeError:
            pass
with open(sys.argv[1], "w") as f:
    f.write(",".join("U+%04X" % c for c in sorted(cps)))
PY
/usr/bin/python3 -m fontTools.subset "$src" --unicodes-file="$codes" --output-file="$out" \
  --layout-features='kern,liga,locl' --no-hinting --drop-tables+=vhea,vmtx,STAT,BASE,GPOS,GSUB,GDEF \
  --name-IDs='*' --name-languages='*' --notdef-outline
ls -l "$out"
