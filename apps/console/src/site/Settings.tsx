import { CurrentSiteDocument, UpdateSiteSettingsDocument } from "@taruvi/sdk";
import { useAction, useApi } from "../api";
import { useSession } from "../session";
import { Checkbox } from "../ui/controls";
import { ErrorNotice, QueryState } from "../ui/feedback";

/** The site, its domains and its settings (changed with settings.manage). */
export const Settings = () => {
  const { can } = useSession();
  const site = useApi(CurrentSiteDocument, {});
  const update = useAction(UpdateSiteSettingsDocument);
  return (
    <QueryState query={site} what="the site">
      {({ currentSite }) =>
        currentSite ? (
          <section className="stack">
            <dl className="facts">
              <dt>Name</dt>
              <dd>{currentSite.name}</dd>
              <dt>Address</dt>
              <dd>{currentSite.defaultHostname}</dd>
              <dt>Status</dt>
              <dd>{currentSite.status}</dd>
              <dt>Domains</dt>
              <dd>{currentSite.domains.map((d) => `${d.hostname} (${d.status})`).join(", ") || "None"}</dd>
            </dl>
            {can("settings.manage") ? (
              <Checkbox
                isSelected={currentSite.settings.allowSignup}
                onChange={(allowSignup) => update.mutate({ input: { allowSignup } })}
              >
                Anyone may sign up
              </Checkbox>
            ) : (
              <p>
                Sign-up is {currentSite.settings.allowSignup ? "open to anyone" : "by invitation of an admin"}
                .
              </p>
            )}
            <ErrorNotice error={update.error} />
          </section>
        ) : null
      }
    </QueryState>
  );
};
