/**
 * Themes: the only thing derived from a comment that is kept in clear. They are computed here by
 * fixed keyword rules, deterministic and explainable (no model, no network), on a normalised
 * copy of the text (lower case, accents removed, ß → ss, typographic apostrophes → '). English
 * rules are the most complete; German, French and Spanish have the common stems. Known limits:
 * keyword rules miss paraphrase and irony, and negation is handled only for positive words
 * ("not great", "nicht schnell", "pas facile", "no es rápido" are not positive).
 */
export const themeVocabulary = [
  'verification_friction',
  'account_blocked',
  'documents_requested',
  'slow_onboarding',
  'payment_declined',
  'support_unhelpful',
  'fees',
  'positive_experience',
] as const;

export type Theme = (typeof themeVocabulary)[number];

export interface ThemeRule {
  theme: Theme;
  description: string;
  /** Applied to the normalised text; any match yields the theme. */
  patterns: readonly RegExp[];
}

/** A positive word directly after a negation (optionally one intensifier or copula) does not count. */
const notNegated =
  /(?<!\b(?:not|never|no|hardly|\w+n't|nicht|nie|kein\w*|pas|jamais|nunca|nada)\s+(?:(?:so|very|too|that|really|particularly|sehr|wirklich|besonders|tres|si|vraiment|muy|tan|es|ist|war)\s+)?)/
    .source;
const near = '[^.!?]{0,40}';

export const themeRules: readonly ThemeRule[] = [
  {
    theme: 'verification_friction',
    description: 'Identity checks: ID check, verification, KYC, selfie, proof of address or identity',
    patterns: [
      /\bid[ -]?(check|verification|card|pruf\w*)s?\b/,
      /\bverifi\w*/,
      /\bkyc\b/,
      /\bselfies?\b/,
      /\bproof of (address|identity|id|residence)\b/,
      /\bidentity (check|verification)s?\b/,
      /\bdocuments? (were |was )?requested\b/,
      /\b(passports?|reisepass|passeport|pasaporte)\b/,
      /\b(ausweis\w*|identifizierung|legitimation|video-?ident|post-?ident|identitatsprufung)\b/,
      /\b(piece d'identite|justificatif de domicile|controle d'identite)\b/,
      /\b(documento de identidad|comprobante de domicilio|dni)\b/,
    ],
  },
  {
    theme: 'account_blocked',
    description: 'Account blocked, frozen, suspended, restricted or locked',
    patterns: [
      /\b(block(ed|ing|s)?|frozen|freez(e|ing)|suspend(ed|ing)?|suspensions?|restrict(ed|ions?)?|locked)\b/,
      /\b(gesperrt\w*|sperrung|eingefroren|blockiert\w*)\b/,
      /\b(bloque\w*|suspendu\w*|gelee?s?)\b/,
      /\b(suspendid\w*|congelad\w*|restringid\w*)\b/,
    ],
  },
  {
    theme: 'documents_requested',
    description: 'Documents requested (again): proof of address or income, source of funds, statements',
    patterns: [
      new RegExp(
        `\\bdocument(s|ation)?\\b${near}\\b(request\\w*|ask\\w*|again|more|additional|upload\\w*|resubmit\\w*|re-?send|submit\\w*)`,
      ),
      new RegExp(
        `\\b(request\\w*|asked|ask(ing)? for|upload\\w*|resubmit\\w*|re-?send|submit\\w*)\\b${near}\\bdocument`,
      ),
      /\bproof of (address|income|funds|residence)\b/,
      /\bsource of (funds|wealth)\b/,
      /\b(bank statements?|pay ?slips?)\b/,
      /\b(unterlagen|nachweis\w*|dokumente\w*)\b/,
      /\b(justificatif\w*|documents? supplementaires?)\b/,
      /\b(documentacion|documentos|comprobantes?)\b/,
    ],
  },
  {
    theme: 'slow_onboarding',
    description: 'Slow: waiting, delays, taking days or weeks',
    patterns: [
      /\b(slow|slowly|delays?|delayed|too long)\b/,
      /\b(took|takes|taking|waited|waiting|wait)\b[^.!?]{0,25}\b(days|weeks|months|ages|forever|long time)\b/,
      /\bstill (waiting|pending)\b/,
      /\bnot (so |very )?(fast|quick)\b/,
      /\b(langsam|dauert\w*|zu lange|wochenlang|verzogerung\w*|warte\w*)\b/,
      /\b(lente?|lenteur|trop long(temps)?|attente|attendre|retards?)\b/,
      /\b(lento|lenta|demasiado tiempo|tard(o|a|an|aron|ando)|retrasos?)\b/,
    ],
  },
  {
    theme: 'payment_declined',
    description: 'Payments, transfers or cards declined, rejected or failed',
    patterns: [
      new RegExp(
        `\\b(payment|transfer|card|transaction|deposit|withdrawal)s?\\b${near}\\b(declined|rejected|refused|failed|bounced)\\b`,
      ),
      new RegExp(`\\b(declined|rejected|refused|failed)\\b${near}\\b(payment|transfer|card|transaction)`),
      new RegExp(`\\b(zahlung|uberweisung|karte|transaktion)\\w*\\b${near}\\b(abgelehnt|fehlgeschlagen)`),
      new RegExp(`\\b(paiement|virement|carte|transaction)s?\\b${near}\\b(refuse\\w*|rejete\\w*|echoue\\w*)`),
      new RegExp(
        `\\b(pago|transferencia|tarjeta|transaccion)\\w*\\b${near}\\b(rechazad\\w*|denegad\\w*|fallid\\w*)`,
      ),
    ],
  },
  {
    theme: 'support_unhelpful',
    description: 'Support unhelpful, unreachable or unresponsive',
    patterns: [
      new RegExp(
        `\\b(support|customer service|service team|help ?desk|hotline|agents?|staff)\\b${near}\\b(unhelpful|useless|rude|no help|not helpful|did not help|didn't help|no answer|no response|ignored|terrible|awful|clueless)`,
      ),
      /(\bunhelpful|\bnot helpful|n't helpful|\bnever (replied|answered|responded|got back))\b/,
      /\bno ?(one|body) (answers|answered|replies|replied|responds|responded)\b/,
      new RegExp(
        `\\b(kundenservice|kundendienst|support|hotline)\\b${near}\\b(nicht erreichbar|keine antwort|unfreundlich|nutzlos|schlecht|nicht geholfen)`,
      ),
      /\b(keine antwort|aucune reponse|sin respuesta|nadie responde)\b/,
      new RegExp(`\\b(service client|support|conseiller)\\b${near}\\b(inutile|injoignable|nul|ne repond)`),
      new RegExp(
        `\\b(atencion al cliente|soporte|servicio al cliente)\\b${near}\\b(inutil|pesima|no responde|no ayuda)`,
      ),
    ],
  },
  {
    theme: 'fees',
    description: 'Fees, charges, commissions, prices',
    patterns: [
      /\b(fees?|charges?|charged|commissions?|overpriced|expensive|pricey|hidden costs?)\b/,
      /\b(gebu(e)?hr\w*|teuer|kosten)\b/,
      /\b(frais|cher|chere|tarifs?)\b/,
      /\b(comision\w*|tarifas?|caro|cobros?)\b/,
    ],
  },
  {
    theme: 'positive_experience',
    description: 'Praise: great, easy, fast, helpful … (not after a negation)',
    patterns: [
      new RegExp(
        `${notNegated}\\b(great|excellent|amazing|awesome|love|loved|easy|smooth(ly)?|quick|fast|helpful|friendly|perfect|recommend|satisfied|happy|seamless|painless|brilliant|good)\\b`,
      ),
      new RegExp(
        `${notNegated}\\b(super|toll|prima|schnell|zufrieden|hervorragend|empfehle\\w*|ausgezeichnet|gut|unkompliziert)\\b`,
      ),
      new RegExp(`${notNegated}\\b(genial|parfait|rapide|facile|satisfaite?|recommande|efficace|bravo)\\b`),
      new RegExp(
        `${notNegated}\\b(excelente|rapido|facil|perfecto|encanta|satisfech[oa]|recomiendo|estupendo)\\b`,
      ),
    ],
  },
];

/** Lower case, accents removed, ß → ss, typographic apostrophes → ', whitespace collapsed. */
export function normaliseForThemes(text: string): string {
  return text
    .slice(0, 4000)
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/\s+/g, ' ');
}

/** The themes a comment touches, in vocabulary order. Only themes leave this function, never text. */
export function deriveThemes(comment: string): Theme[] {
  const text = normaliseForThemes(comment);
  return themeRules.filter((rule) => rule.patterns.some((p) => p.test(text))).map((rule) => rule.theme);
}
