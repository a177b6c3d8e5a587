import { type ReactNode, useRef, useState } from "react";
import { Organizations } from "./org/Organizations";
import { Accounts } from "./platform/Accounts";
import { PlatformOrganizations } from "./platform/PlatformOrganizations";
import { PlatformSites } from "./platform/PlatformSites";
import { SystemStatus } from "./platform/SystemStatus";
import { SignIn } from "./SignIn";
import { type Session, SessionProvider, useSessionState } from "./session";
import { AuditTrail } from "./shared/AuditTrail";
import { Access } from "./site/Access";
import { ApiKeys } from "./site/ApiKeys";
import { Files } from "./site/Files";
import { Groups } from "./site/Groups";
import { Settings } from "./site/Settings";
import { Users } from "./site/Users";
import { Button } from "./ui/controls";
import { Loading } from "./ui/feedback";

type Section = { id: string; title: string; render: () => ReactNode };

/** What the caller may open: a section is offered only with the permission it needs. */
const sectionsOf = (session: Session): Section[] => {
  const { site, can, permissions } = session;
  if (site) {
    return [
      ...(can("users.view") ? [{ id: "users", title: "Users", render: () => <Users /> }] : []),
      ...(can("groups.view") ? [{ id: "groups", title: "Groups", render: () => <Groups /> }] : []),
      ...(can("permissions.manage")
        ? [{ id: "access", title: "Who holds what", render: () => <Access /> }]
        : []),
      ...(can("apikeys.manage") ? [{ id: "api-keys", title: "API keys", render: () => <ApiKeys /> }] : []),
      ...(can("files.view") ? [{ id: "files", title: "Files", render: () => <Files /> }] : []),
      { id: "settings", title: "Settings", render: () => <Settings /> },
      ...(can("audit.view") ? [{ id: "audit", title: "Audit trail", render: () => <AuditTrail /> }] : []),
    ];
  }
  if (permissions.admin) {
    return [
      { id: "sites", title: "Sites", render: () => <PlatformSites /> },
      { id: "organizations", title: "Organizations", render: () => <PlatformOrganizations /> },
      { id: "accounts", title: "Accounts", render: () => <Accounts /> },
      { id: "audit", title: "Audit trail", render: () => <AuditTrail /> },
      { id: "status", title: "System status", render: () => <SystemStatus /> },
    ];
  }
  return [
    { id: "organizations", title: "Organizations", render: () => <Organizations /> },
    { id: "audit", title: "Audit trail", render: () => <AuditTrail /> },
  ];
};

const Console = ({ session }: { session: Session }) => {
  const sections = sectionsOf(session);
  const [current, setCurrent] = useState(sections[0]?.id ?? "");
  const section = sections.find((s) => s.id === current) ?? sections[0];
  const heading = useRef<HTMLHeadingElement>(null);
  return (
    <SessionProvider session={session}>
      <header className="topbar">
        <span className="brand">Taruvi console</span>
        <span className="who">
          {session.me.email} ·{" "}
          {session.site
            ? `site ${session.site}`
            : session.permissions.admin
              ? "platform operator"
              : "platform"}
        </span>
        <Button tone="quiet" onPress={() => void session.signOut()}>
          Sign out
        </Button>
      </header>
      <div className="layout">
        <nav aria-label="Sections" className="sections">
          <ul>
            {sections.map((s) => (
              <li key={s.id}>
                <Button
                  tone="quiet"
                  aria-current={s.id === section?.id ? "page" : undefined}
                  onPress={() => {
                    setCurrent(s.id);
                    // Keyboard and screen-reader users land on the new section's heading.
                    requestAnimationFrame(() => heading.current?.focus());
                  }}
                >
                  {s.title}
                </Button>
              </li>
            ))}
          </ul>
        </nav>
        <main className="content">
          <h1 ref={heading} tabIndex={-1}>
            {section?.title}
          </h1>
          {section?.render()}
        </main>
      </div>
    </SessionProvider>
  );
};

export const App = () => {
  const { state, signIn } = useSessionState();
  if (state.status === "loading") return <Loading what="the console" />;
  if (state.status === "signed-out") return <SignIn onSignIn={signIn} />;
  return <Console key={`${state.session.site}:${state.session.me.id}`} session={state.session} />;
};
