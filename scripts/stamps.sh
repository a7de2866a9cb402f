#!/usr/bin/env bash
# Content stamps, so make rebuilds when an input's content changes, whatever its time says (cp -p, unzip, a file
# saved from e-mail, `git checkout` of an older commit and `touch -d` all give a new file an old time).
#
#   scripts/stamps.sh STAMPS    (run by the Makefile as it is read; STAMPS/files lists the inputs, one per line)
#
# For each input, STAMPS/<input>.sha256 holds its SHA-256 and is rewritten only when the content's hash differs,
# so a rule depending on the stamp runs exactly when the content changed. Hashing is skipped while no input's
# size, modification or change time (which no tool can set back) or inode differs from the last run: a build with
# nothing to do costs one `stat`. A missing input's stamp is removed, so make says which input is missing.
# STAMPS/changed is touched whenever a stamp is rewritten (what `make editions` compares each edition with).
set -eu -o pipefail
stamps=$1
mapfile -t names <"$stamps/files"
# The fast path, in bash itself apart from one `stat`: a no-op build pays for two processes.
seen=$(stat -c '%n %s %.9Y %.9Z %i' -- "${names[@]}" 2>/dev/null) || true
before=
[[ -f $stamps/stat ]] && IFS= read -r -d '' before <"$stamps/stat" || true
[[ $seen == "${before%$'\n'}" ]] && exit 0
changed=
for name in "${names[@]}"; do
    if [[ ! -f $name && -f $stamps/$name.sha256 ]]; then
        rm "$stamps/$name.sha256"
        changed=1
    fi
done
while read -r hash name; do
    stamp=$stamps/$name.sha256
    old=
    [[ -f $stamp ]] && read -r old <"$stamp"
    if [[ $old != "$hash" ]]; then
        [[ -d ${stamp%/*} ]] || mkdir -p "${stamp%/*}"  # (a process per folder, not per file: a cold build stamps 100)
        printf '%s\n' "$hash" >"$stamp"
        changed=1
    fi
done < <(sha256sum -- "${names[@]}" 2>/dev/null || true)
[[ -z $changed ]] || touch "$stamps/changed"
printf '%s\n' "$seen" >"$stamps/stat"
