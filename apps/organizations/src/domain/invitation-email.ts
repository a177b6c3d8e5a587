import { randomBytes } from "node:crypto";
import { hashSecret } from "@taruvi/auth";
import { prismaSqlExecutor } from "@taruvi/db";
import type { PlatformDb } from "@taruvi/limits";
import { INVITATION_TTL_MS } from "@taruvi/platform";
import type { Context } from "../context";

/** 32 random bytes, base64url: what the email carries. Only its SHA-256 is stored. */
export const INVITATION_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh token, its stored hash, and the expiry of a link sent now. */
export const newInvitationToken = () => {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashSecret(token), expiresAt: new Date(Date.now() + INVITATION_TTL_MS) };
};

const acceptLink = (ctx: Context, token: string): string => {
  const base = ctx.services.publicUrl.endsWith("/") ? ctx.services.publicUrl : `${ctx.services.publicUrl}/`;
  const url = new URL("invitations/accept", base);
  url.searchParams.set("token", token);
  return url.toString();
};

/**
 * Enqueues the invitation email in the caller's transaction (`tx`): it is sent if and only if the
 * invitation row commits. The token is only in the email, never in logs.
 */
export const sendInvitationEmail = async (
  ctx: Context,
  tx: PlatformDb,
  invitation: { organizationId: string; email: string; role: string; expiresAt: Date },
  token: string,
  inviterId: string,
): Promise<void> => {
  const [organization, inviter] = await Promise.all([
    tx.organization.findUniqueOrThrow({ where: { id: invitation.organizationId }, select: { name: true } }),
    tx.account.findUnique({ where: { id: inviterId }, select: { name: true, email: true } }),
  ]);
  const who = inviter ? `${inviter.name} (${inviter.email})` : "Someone";
  await ctx.services.jobs.sendEmail(
    {
      to: invitation.email,
      subject: `Join ${organization.name} on Taruvi`,
      text: [
        "Hello,",
        "",
        `${who} invited you to join the organization "${organization.name}" on Taruvi as ${invitation.role}.`,
        `Open this link to accept (it works once, until ${invitation.expiresAt.toUTCString()}):`,
        "",
        acceptLink(ctx, token),
        "",
        `Sign in (or sign up) with ${invitation.email} first: the invitation is for that address only.`,
        "If you did not expect this, ignore this email.",
      ].join("\n"),
    },
    { db: prismaSqlExecutor(tx) },
  );
};
