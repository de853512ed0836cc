import { describe, expect, it } from 'vitest';
import { deriveThemes, themeRules, themeVocabulary } from '../../shared/domain/feedback/index.js';

describe('deriveThemes', () => {
  it.each([
    [
      'The selfie check failed three times and then my account was frozen.',
      ['verification_friction', 'account_blocked'],
    ],
    [
      'They asked for more documents again, proof of address this time',
      ['verification_friction', 'documents_requested'],
    ],
    ['My card payment was declined twice', ['payment_declined']],
    ['Support never replied. Waited for weeks.', ['slow_onboarding', 'support_unhelpful']],
    ['Great app, easy to use', ['positive_experience']],
    ['Hidden fees everywhere', ['fees']],
  ])('English: %s', (comment, themes) => {
    expect(deriveThemes(comment)).toEqual(themes);
  });

  it.each([
    [
      'Mein Konto wurde gesperrt und der Kundenservice war nicht erreichbar.',
      ['account_blocked', 'support_unhelpful'],
    ],
    [
      'Die Identitätsprüfung dauert ewig, und die Gebühren sind zu hoch.',
      ['verification_friction', 'slow_onboarding', 'fees'],
    ],
    ['Sehr schnell und unkompliziert, super!', ['positive_experience']],
    ['Ma carte a été refusée et mon compte est bloqué', ['account_blocked', 'payment_declined']],
    ['La verificación tardó semanas', ['verification_friction', 'slow_onboarding']],
  ])('German, French, Spanish: %s', (comment, themes) => {
    expect(deriveThemes(comment)).toEqual(themes);
  });

  it('does not count negated praise as positive', () => {
    expect(deriveThemes('Not great, and the app is not easy to use')).toEqual([]);
    expect(deriveThemes('Das war nicht schnell')).toEqual([]);
    expect(deriveThemes("Ce n'est pas facile")).toEqual([]);
    expect(deriveThemes('wasn’t helpful at all')).toEqual(['support_unhelpful']);
  });

  it('matches words, not fragments', () => {
    expect(deriveThemes('I like the blockchain features')).toEqual([]);
    expect(deriveThemes('Unblocked quickly' /* "quickly" is not "quick" */)).toEqual([]);
  });

  it('ignores case and accents, and is deterministic', () => {
    const comment = 'KONTO GESPERRT, VÉRIFICATION INTERMINABLE';
    expect(deriveThemes(comment)).toEqual(['verification_friction', 'account_blocked']);
    expect(deriveThemes(comment)).toEqual(deriveThemes(comment.toLowerCase()));
  });

  it('returns only vocabulary themes, never text from the comment', () => {
    const themes = deriveThemes('Ada Lovelace, IBAN DE89370400440532013000: frozen, declined payment, slow');
    expect(themes.length).toBeGreaterThan(0);
    for (const theme of themes) expect(themeVocabulary).toContain(theme);
    expect(JSON.stringify(themes)).not.toMatch(/Ada|DE89/);
    expect(deriveThemes('')).toEqual([]);
  });

  it('has exactly one documented rule per vocabulary theme, in vocabulary order', () => {
    expect(themeRules.map((r) => r.theme)).toEqual([...themeVocabulary]);
    for (const rule of themeRules) {
      expect(rule.description.length).toBeGreaterThan(10);
      expect(rule.patterns.length).toBeGreaterThan(0);
    }
  });
});
