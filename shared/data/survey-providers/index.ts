import zigpoll from './zigpoll.json' with { type: 'json' };

/**
 * Every survey-provider configuration, by provider name (the `{provider}` segment of
 * `POST /v1/webhooks/surveys/{provider}`). Imported as JSON modules so that bundles carry them:
 * nothing is read from disk at run time. To add a provider, add `<name>.json` here beside this
 * file and one line below; `loadProviderConfigs` validates it at cold start. See README.md.
 */
export const surveyProviderFiles: Readonly<Record<string, unknown>> = {
  zigpoll,
};
