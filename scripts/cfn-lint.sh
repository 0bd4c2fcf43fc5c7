#!/usr/bin/env bash
# Packages the `ci` stage twice and runs cfn-lint over both CloudFormation
# templates: once as a stack that creates its own secrets and topic, once
# with existing secrets under a customer managed KMS key, an existing topic
# and an e-mail subscription, as a stage may pass them.
#
#   bash scripts/cfn-lint.sh
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo 'cfn-lint is not installed; install it with: pip install cfn-lint' >&2
  exit 127
fi

work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT

account=123456789012
existing=(
  --param "celonisSecretArn=arn:aws:secretsmanager:eu-central-1:$account:secret:celonis-AbCdEf"
  --param "callersSecretArn=arn:aws:secretsmanager:eu-central-1:$account:secret:callers-AbCdEf"
  --param "secretsKmsKeyArn=arn:aws:kms:eu-central-1:$account:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  --param "notifyTopicArn=arn:aws:sns:eu-central-1:$account:operations"
  --param 'notifyEmail=operations@example.com'
)

package() {
  local dir=$1
  shift
  echo "packaging the ci stage into $dir"
  if ! node_modules/.bin/serverless package --stage ci --package "$dir" "$@" \
    >"$dir.log" 2>&1; then
    cat "$dir.log" >&2
    echo 'serverless package failed' >&2
    exit 1
  fi
}

package "$work_dir/created"
package "$work_dir/existing" "${existing[@]}"

# W3005 (a DependsOn that a Ref or GetAtt already implies) is left out: osls
# writes those DependsOn entries itself (function -> role, HTTP API stage ->
# log group, route -> integration), and they change nothing.
cfn-lint --ignore-checks W3005 -- \
  "$work_dir/created/cloudformation-template-update-stack.json" \
  "$work_dir/existing/cloudformation-template-update-stack.json"

echo 'cfn-lint: both templates pass'
