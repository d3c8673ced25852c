#!/bin/sh
# Demo restore: records on the postgres StatefulSet which backup was "restored", and rolls it.
# Usage: restore-database.sh BACKUP (e.g. latest)
set -eu
backup="${1:?usage: restore-database.sh BACKUP}"
ns="${IRTUI_NAMESPACE:-emrtask-prod}"
echo "restoring backup ${backup} into statefulset/postgres (namespace ${ns})"
sleep 1
kubectl --kubeconfig "$KUBECONFIG" -n "$ns" annotate statefulset postgres --overwrite "irtui.demo/restored-from=${backup}"
kubectl --kubeconfig "$KUBECONFIG" -n "$ns" rollout restart statefulset/postgres
echo "restore of ${backup} started"
