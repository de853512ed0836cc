import type { Facts } from '../facts.js';
import { blocker, type Finding, info, okay, unknownFact, warn } from '../finding.js';
import type { DeployPlan } from '../plan.js';

/** Every service the templates use must be offered in the region. */
export function checkRegionServices(plan: DeployPlan, facts: Facts): Finding[] {
  const findings: Finding[] = [];
  const offered = facts.regionServices;
  if (offered.kind !== 'ok') {
    findings.push(unknownFact('region', `list the services of ${facts.region}`, offered));
  } else {
    const available = new Set(offered.value);
    const missing = plan.services.filter((s) => !available.has(s));
    // SSM's list names most services by their endpoint prefix; for WAF that name is not documented, so its
    // absence is a warning to confirm, not a blocker that could stop a good deploy.
    const unsure = missing.filter((s) => s === 'wafv2');
    const absent = missing.filter((s) => s !== 'wafv2');
    if (missing.length === 0) {
      findings.push(
        okay('region', `${facts.region} offers every service the stacks use (${plan.services.join(', ')})`),
      );
    }
    if (absent.length > 0) {
      findings.push(
        blocker(
          'region',
          `${facts.region} does not offer ${absent.join(', ')}, which the stacks use`,
          `deploy to a region that offers ${absent.join(', ')}`,
        ),
      );
    }
    if (unsure.length > 0) {
      findings.push(
        warn(
          'region',
          `${facts.region}'s service list has no entry "wafv2": AWS WAF may not be offered there`,
          'confirm AWS WAF in the AWS regional services list; where it is missing, deploy with -c waf=false ' +
            '(an explicit, logged exception)',
        ),
      );
    }
  }
  if (plan.uncheckedNamespaces.length > 0) {
    findings.push(
      info(
        'region',
        `not checked: regional availability of ${plan.uncheckedNamespaces.join(', ')} (not looked up)`,
      ),
    );
  }
  return findings;
}

/** The only finding when the region refuses the credentials: nothing else can be read there. */
export function regionDisabledFindings(region: string, account: string, message: string): Finding[] {
  return [
    blocker(
      'region',
      `${region} refused the credentials (${message}): it is an opt-in region this account has not enabled, ` +
        'or the session token is not valid there. No other check could run.',
      `enable the region (console: Account > AWS Regions, or \`aws account enable-region --region-name ${region}\` ` +
        `for ${account}), wait until it is enabled, and re-run; with long-lived keys also make STS issue tokens valid ` +
        'in every region (`aws iam set-security-token-service-preferences --global-endpoint-token-version v2Token`)',
    ),
  ];
}
