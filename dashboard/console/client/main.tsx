/**
 * The console: sign-in, then customers and cases. One page; which view shows is state, not a URL,
 * so nothing a person looks at ends up in the address bar or the history.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { problem } from './api.js';
import { type ConsoleConfig, completeSignIn, loadConfig, type Session, startSignIn } from './auth.js';
import { CasesView } from './cases.js';
import { CustomersView } from './customers.js';

type View = 'customers' | 'cases';
const views: readonly (readonly [View, string])[] = [
  ['customers', 'Customers'],
  ['cases', 'Cases'],
];

function SignIn({ config, error }: { config: ConsoleConfig | undefined; error: string }) {
  const signIn = config?.signIn;
  return (
    <main class="sign-in">
      <h2>Sign in</h2>
      <p>Sign in with your organisation's account. Your role decides what you see and may do.</p>
      {config && !signIn && (
        <p role="alert">Sign-in is not configured on this system (no OpenID Connect issuer).</p>
      )}
      {signIn && (
        <button type="button" onClick={() => void startSignIn(signIn)}>
          Sign in
        </button>
      )}
      {error && <p role="alert">{error}</p>}
    </main>
  );
}

function App() {
  const [config, setConfig] = useState<ConsoleConfig>();
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState('');
  const [view, setView] = useState<View>('customers');
  const [customerFocus, setCustomerFocus] = useState<string>();

  useEffect(() => {
    (async () => {
      const loaded = await loadConfig();
      setConfig(loaded);
      if (loaded.signIn) setSession(await completeSignIn(loaded.signIn));
    })().catch((e: unknown) => setError(problem(e)));
  }, []);

  return (
    <>
      <header class="top">
        <h1>riskloop console</h1>
        {session && (
          <nav aria-label="Console">
            {views.map(([name, label]) => (
              <button
                key={name}
                type="button"
                aria-current={view === name ? 'page' : undefined}
                onClick={() => setView(name)}
              >
                {label}
              </button>
            ))}
          </nav>
        )}
        {session && (
          <p class="who">
            Signed in as <strong>{session.subject}</strong>{' '}
            <button type="button" onClick={() => setSession(undefined)}>
              Sign out
            </button>
          </p>
        )}
      </header>
      {!session ? (
        <SignIn config={config} error={error} />
      ) : view === 'customers' ? (
        <CustomersView session={session} focus={customerFocus} />
      ) : (
        <CasesView
          session={session}
          onCustomer={(pseudonym) => {
            setCustomerFocus(pseudonym);
            setView('customers');
          }}
        />
      )}
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.replaceChildren();
  render(<App />, root);
}
