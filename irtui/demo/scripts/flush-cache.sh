#!/bin/sh
# Demo cache flush: the simulated platform has no cache service, so this records the flush
# on every Deployment, where the responder can see it (describe shows the annotation).
set -eu
ns="${IRTUI_NAMESPACE:-emrtask-prod}"
echo "flushing caches of every service in ${ns}"
kubectl --kubeconfig "$KUBECONFIG" -n "$ns" annotate deployment --all --overwrite "irtui.demo/cache-flushed-at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cache flushed"
