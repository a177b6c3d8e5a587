import { type FormEvent, useState } from "react";
import { Form } from "react-aria-components";
import { Button, Field } from "./ui/controls";
import { ErrorNotice } from "./ui/feedback";

/** Sign in to the platform (Site left blank) or to a site by its slug. */
export const SignIn = ({
  onSignIn,
}: {
  onSignIn: (input: { email: string; password: string; site: string }) => Promise<void>;
}) => {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [site, setSite] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn({ email, password, site });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Taruvi console</h1>
      <Form onSubmit={submit} className="card stack">
        <Field
          label="Email"
          name="email"
          type="email"
          value={email}
          onChange={setEmail}
          isRequired
          autoComplete="username"
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          isRequired
          autoComplete="current-password"
        />
        <Field
          label="Site"
          name="site"
          value={site}
          onChange={setSite}
          autoComplete="off"
          placeholder="its slug; blank for the platform"
        />
        <Button type="submit" isDisabled={busy}>
          Sign in
        </Button>
        <ErrorNotice error={error} />
      </Form>
    </main>
  );
};
