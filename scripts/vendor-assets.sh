#!/usr/bin/env bash
# Fetch front-end libraries from the npm registry and copy the files we serve, with their
# licences, into coalition_app/static/vendor/. The result is committed: the app never needs
# the network at run time. Run again (make vendor) to upgrade a pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=coalition_app/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # name@version -> unpacked package dir
  local spec=$1
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  local tarball
  tarball=$(ls -t "$work"/*.tgz | head -n 1)
  local out="$work/unpacked-$(basename "$tarball" .tgz)"
  mkdir -p "$out"
  tar -xzf "$tarball" -C "$out"
  rm "$tarball"
  echo "$out/package"
}

copy() {  # package-dir target-subdir files...
  local pkg=$1 sub=$2
  shift 2
  mkdir -p "$dest/$sub"
  for f in "$@"; do cp "$pkg/$f" "$dest/$sub/"; done
  cp "$pkg"/LICENSE* "$dest/$sub/" 2>/dev/null || cp "$pkg"/LICENCE* "$dest/$sub/"
  node -e "const p=require('$pkg/package.json'); console.log(p.name+'@'+p.version+' '+p.license)" \
    > "$dest/$sub/VERSION"
}

pkg=$(fetch bootstrap@5.3.8)
copy "$pkg" bootstrap dist/css/bootstrap.min.css \
  dist/js/bootstrap.bundle.min.js

# Charts on the growth dashboard: the UMD build works from a plain <script> tag.
pkg=$(fetch chart.js@4.5.1)
copy "$pkg" chartjs dist/chart.umd.min.js

# The stakeholder network's graph (issue 5): Cytoscape.js ships one UMD file, drawn on canvas
# (no WebGL needed, so headless Chromium draws it too), with no dependencies.
pkg=$(fetch cytoscape@3.34.4)
copy "$pkg" cytoscape dist/cytoscape.min.js

# Accessibility checks in the browser tests only (issue 7): no page loads it; the tests
# inject it into the page under test. MPL-2.0.
pkg=$(fetch axe-core@4.11.0)
copy "$pkg" axe-core axe.min.js

# Source maps are not shipped; drop the comments that point at them.
for f in "$dest"/*/*.min.*; do
  sed -i -e 's|/\*# sourceMappingURL=.*\*/||' -e 's|//# sourceMappingURL=.*||' "$f"
done

# Bootstrap's stylesheet trimmed to the classes we use (issue 17: 90 % of it was unused and it
# blocks the first paint). The untrimmed file is kept in scripts/purge/ (the test that checks
# the trimmed one reads it); the config there says what is read and what is kept regardless.
cp "$dest/bootstrap/bootstrap.min.css" scripts/purge/bootstrap.min.css
(cd "$work" && npm install --silent --no-audit --no-fund purgecss@8.0.0 >/dev/null)
"$work/node_modules/.bin/purgecss" --config scripts/purge/purgecss.config.cjs \
  --css scripts/purge/bootstrap.min.css --output "$dest/bootstrap/"
echo "bootstrap.min.css trimmed by purgecss@8.0.0 (scripts/purge/purgecss.config.cjs)" \
  >> "$dest/bootstrap/VERSION"
# The consultation's participant pages (phones, slow networks) load only the rules they use.
"$work/node_modules/.bin/purgecss" --config scripts/purge/participant.config.cjs \
  --css scripts/purge/bootstrap.min.css --output "$work/participant/"
cp "$work/participant/bootstrap.min.css" coalition_app/static/css/participant.css

echo "vendored into $dest:"
cat "$dest"/*/VERSION

# The common-passwords list that new passwords are checked against (zxcvbn-ts, MIT).
pkg=$(fetch @zxcvbn-ts/language-common@4.1.3)
list=coalition_app/data/common-passwords
mkdir -p "$list"
python3 - "$pkg/src/passwords.json" "$list/passwords.txt.gz" <<'PY'
import gzip, json, sys
words = sorted({w.strip().lower() for w in json.load(open(sys.argv[1])) if w.strip()})
with gzip.GzipFile(sys.argv[2], "wb", mtime=0) as out:
    out.write(("\n".join(words) + "\n").encode())
PY
cp "$pkg/LICENSE.txt" "$list/LICENSE.txt"
echo "@zxcvbn-ts/language-common@4.1.3 MIT (src/passwords.json, lowercased, deduplicated)" > "$list/VERSION"
