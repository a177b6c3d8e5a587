// One file per mutation (STYLE.md): parse, call a domain function, shape.

import { addDomain } from "./addDomain";
import { createSite } from "./createSite";
import { createSiteUser } from "./createSiteUser";
import { deleteSite } from "./deleteSite";
import { removeDomain } from "./removeDomain";
import { restoreSite } from "./restoreSite";
import { resumeSite } from "./resumeSite";
import { setPrimaryDomain } from "./setPrimaryDomain";
import { suspendSite } from "./suspendSite";
import { updateSite } from "./updateSite";
import { updateSiteSettings } from "./updateSiteSettings";
import { verifyDomain } from "./verifyDomain";

export const Mutation = {
  createSite,
  updateSite,
  suspendSite,
  resumeSite,
  deleteSite,
  restoreSite,
  addDomain,
  verifyDomain,
  setPrimaryDomain,
  removeDomain,
  createSiteUser,
  updateSiteSettings,
};
