import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { suppressControl, suppressStorageKeyReference } from './control-tower.js';
import { kept } from './removal.js';

/** CT.CLOUDWATCH.PR.2 asks log groups to keep their events at least this long. */
const oneYear = 365;

/**
 * Every log group riskloop creates: encrypted with the storage key, expiring after the configured retention,
 * and kept when its stack goes (the record of what happened, the teardown included).
 */
export function riskloopLogGroup(
  scope: Construct,
  id: string,
  props: { logGroupName: string; retention: RetentionDays; key: IKey },
): LogGroup {
  const group = new LogGroup(scope, id, {
    logGroupName: props.logGroupName,
    retention: props.retention,
    encryptionKey: props.key,
    removalPolicy: kept,
  });
  suppressStorageKeyReference(group, 'cloudwatch_log_group_encrypted_check');
  if (props.retention < oneYear) {
    suppressControl(
      group,
      'cloudwatch_log_group_retention_period_check',
      `Kept ${props.retention} days, the retention chosen for this deployment with -c logRetentionDays ` +
        '(docs/deploy.md, "Configuration"): an operator decision; the default, 365 days, meets the control.',
    );
  }
  return group;
}
