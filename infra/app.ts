/**
 * CDK entry point (cdk.json `app`): `npm run synth`, `npx cdk deploy --all -c stage=dev`.
 * Every stack is derived from infra/manifest.ts; see docs/deploy.md.
 */
import { App } from 'aws-cdk-lib';
import { buildRiskloop } from './cdk/build.js';

const app = new App();
buildRiskloop(app);
app.synth();
