#!/usr/bin/env bash
# Rebuilds services/reporting/entrypoints/web/static/govuk/ from the published govuk-frontend package (README.md here).
# Needs node and npm; the platform and its tests never do: the outputs are committed.
#
#   deploy/govuk-frontend/build.sh            # then review `git diff --stat services/reporting/entrypoints/web/static`
set -euo pipefail

GOVUK_FRONTEND_VERSION=5.14.0   # the package; govuk-frontend-jinja 3.10.0 targets this release
SASS_VERSION=1.108.2            # Dart Sass (the `sass` package, pure JavaScript)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/services/reporting/entrypoints/web/static/govuk"
work="$(mktemp -d "${TMPDIR:-/tmp}/govuk-frontend.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
# --ignore-scripts: neither package needs an install script to compile once
npm install --no-audit --no-fund --ignore-scripts --save-exact \
    "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@$SASS_VERSION" >/dev/null
dist="$work/node_modules/govuk-frontend/dist/govuk"
installed="$(node -p 'require("govuk-frontend/package.json").version')"
[ "$installed" = "$GOVUK_FRONTEND_VERSION" ] || { echo "got govuk-frontend $installed" >&2; exit 1; }

# The CSS: our settings (scrutiny.scss) over the whole of GOV.UK Frontend, minified. The
# deprecation warnings are Sass's about v5's own @import and if() and are silenced.
cp "$here/scrutiny.scss" "$work/scrutiny.scss"
npx --no-install sass --load-path=node_modules --style=compressed --no-source-map \
    --quiet-deps --silence-deprecation=import \
    scrutiny.scss govuk-frontend.min.css

# No font: the CSS must neither name the reserved typeface nor declare or refer to a font file.
if grep -qiE 'GDS Transport|@font-face|\.woff2?' govuk-frontend.min.css; then
    echo "GDS Transport or a font file in the CSS" >&2; exit 1
fi

# What this script writes is replaced; init.js and LICENSE.txt there are ours, kept as they are.
mkdir -p "$out"
rm -rf "$out/assets"
cp govuk-frontend.min.css "$out/"
# The ES module bundle (progressive enhancement: init.js imports initAll from it). Its
# source map is not shipped, so the comment pointing at it goes.
sed -e 's|//# sourceMappingURL=.*$||' "$dist/govuk-frontend.min.js" >"$out/govuk-frontend.min.js"
# Exactly the images the CSS refers to (none in 5.14.0), each checked to be in the package.
{ grep -oE 'url\([^)]*\)' govuk-frontend.min.css || true; } | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u |
while read -r url; do
    case "$url" in
        /static/govuk/assets/images/*) name="${url#/static/govuk/assets/images/}" ;;
        *) echo "unexpected url($url) in the CSS" >&2; exit 1 ;;
    esac
    case "$name" in  # GOV.UK's own marks (all of its favicons and icons are the crown)
        *crown* | *crest* | favicon* | govuk-icon* | govuk-opengraph*)
            echo "the CSS wants $name, a GOV.UK mark we do not ship" >&2; exit 1 ;;
    esac
    [ -f "$dist/assets/images/$name" ] || { echo "$name is not in the package" >&2; exit 1; }
    mkdir -p "$out/assets/images"
    cp "$dist/assets/images/$name" "$out/assets/images/"
done
printf '%s\n' "$GOVUK_FRONTEND_VERSION" >"$out/VERSION"

echo "govuk-frontend $GOVUK_FRONTEND_VERSION -> ${out#"$repo"/}:"
(cd "$out" && find . -type f | sort | xargs ls -l)
