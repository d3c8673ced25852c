#!/bin/sh
# Demo DR failover: nothing leaves the simulator. It marks every Deployment of the namespace
# as served from the DR region, one step a second, as a real failover reports its progress.
set -eu
ns="${IRTUI_NAMESPACE:-emrtask-prod}"
echo "failover to DR region: namespace ${ns}"
for step in "freeze writes" "promote DR database" "switch DNS"; do
    echo "step: ${step}"
    sleep 1
done
kubectl --kubeconfig "$KUBECONFIG" -n "$ns" annotate deployment --all --overwrite "irtui.demo/region=dr"
echo "failover complete"
