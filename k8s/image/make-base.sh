#!/usr/bin/env bash
# Makes the local Debian 12 base image (localhost/lv-debian:12) where no registry can be reached:
# debootstrap from the Debian mirror apt already uses, with the runtime libraries of the services
# and PostgreSQL 15 (for the dev overlay's database) included, imported into podman.
# Does nothing when the image exists; --force makes it again. Needs root (debootstrap, podman).
set -euo pipefail
IMAGE="${LV_BASE_IMAGE:-localhost/lv-debian:12}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ "${1:-}" != "--force" ] && podman image exists "$IMAGE"; then
  echo "base image $IMAGE exists"
  exit 0
fi
# The same list as the runtime stage of the Containerfile, plus the dev database.
INCLUDE="libgrpc++1.51,libprotobuf32,libabsl20220623,libspdlog1.10,libfmt9,libpq5"
INCLUDE+=",libsoci-core4.0,libsoci-postgresql4.0,libsoci-sqlite3-4.0,libsqlite3-0"
INCLUDE+=",libzip4,libexpat1,libcsv3,libjwt0,ca-certificates,postgresql-15"
root="$(mktemp -d /tmp/lv-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "== debootstrap bookworm ($MIRROR) into $root"
debootstrap --variant=minbase --include="$INCLUDE" bookworm "$root" "$MIRROR" >"$root.log" 2>&1 || {
  tail -20 "$root.log"; echo "debootstrap failed"; exit 1; }
rm -f "$root.log"
# Leave no package lists or caches in the image.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "base image $IMAGE made"
