#!/bin/sh
# Demo smoke tests: GET /health of every service through the API server's service proxy of
# the demo's simulated cluster. Usage: smoke-tests.sh ENVIRONMENT
set -u
env_name="${1:-production}"
ns="${IRTUI_NAMESPACE:-emrtask-prod}"
echo "smoke tests against ${env_name} (namespace ${ns})"
failed=0
for svc in api-gateway task-service emr-service sync-service handover-service; do
    if out=$(kubectl --kubeconfig "$KUBECONFIG" -n "$ns" get --raw "/api/v1/namespaces/${ns}/services/${svc}/proxy/health" 2>&1); then
        echo "PASS ${svc}: ${out}"
    else
        echo "FAIL ${svc}: ${out}"
        failed=$((failed + 1))
    fi
done
echo "${failed} failed"
[ "$failed" -eq 0 ]
