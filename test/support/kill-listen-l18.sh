#!/bin/bash
# kill-listen-l18.sh (task T's reproducer of T3, kept with test/pacs/listen-killed-l18.test.ts): `lumen pacs listen` on 127.0.0.1 receives from dcmtk's storescu (one association, 300 files);
# once some files are filed in <library>/pacs/, the receiver is killed (SIGKILL, or $SIG). Then: what storescu was
# answered Success for, what the library lists, what lies in pacs/, and what a restarted receiver does with it.
set -u
export LUMEN_DATA_DIR=$(mktemp -d /tmp/lumen-kill-listen-XXXX)
lib=$LUMEN_DATA_DIR/library
port=$((20000 + RANDOM % 20000))
cd ${LUMEN_REPO:-/work/main}
node bin/lumen.mjs pacs listen --host 127.0.0.1 --port $port --allow SENDER > "$LUMEN_DATA_DIR/listen.out" 2>&1 & l=$!
for i in $(seq 1 100); do grep -q . "$LUMEN_DATA_DIR/listen.out" 2>/dev/null && break; sleep 0.1; done
cat "$LUMEN_DATA_DIR/listen.out"
timeout 60 storescu -v -aet SENDER -aec LUMEN +sd +r 127.0.0.1 $port "${SRC:?SRC=<folder of DICOM files to send>}" > "$LUMEN_DATA_DIR/storescu.out" 2>&1 & s=$!
for i in $(seq 1 600); do n=$(find "$lib/pacs" -name '*.dcm' 2>/dev/null | wc -l); [ "$n" -ge ${AT:-40} ] && break; sleep 0.02; done
kill -s ${SIG:-KILL} $l; wait $l; echo "listen exit $? with $n filed"
wait $s; echo "storescu exit $?"
echo "storescu Success answers: $(grep -c 'Received Store Response (Success)' "$LUMEN_DATA_DIR/storescu.out")"
echo "files in pacs/: $(find "$lib/pacs" -name '*.dcm' | wc -l); .part in pacs-incoming: $(find "$lib/pacs-incoming" -type f 2>/dev/null | wc -l)"
echo "--- listen said:"; tail -3 "$LUMEN_DATA_DIR/listen.out"
echo "--- lumen ls:"; node bin/lumen.mjs ls 2>&1 | head -3
echo "--- receiver started again (3 s):"
timeout -s INT 6 node bin/lumen.mjs pacs listen --host 127.0.0.1 --port $port --allow SENDER 2>&1 | head -5
echo "--- lumen ls:"; node bin/lumen.mjs ls 2>&1 | head -3
echo "data=$LUMEN_DATA_DIR"
