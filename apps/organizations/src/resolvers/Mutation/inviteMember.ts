import type { Context } from "../../context";
import { type InviteMemberInput, inviteMember as invite } from "../../domain/invite-member";

export const inviteMember = (_: unknown, args: { input: InviteMemberInput }, ctx: Context) =>
  invite(ctx, args.input);
