-- Revocations made while Redis was away (issue 16): the caller has already revoked the session or
-- key itself; this row keeps its announcement to the gateways durable until Redis is back, so a
-- restart of the process that accepted it does not lose it. Whichever identity process sees Redis
-- return first publishes the rows and deletes them.

-- CreateTable
CREATE TABLE "pending_revocations" (
    "key" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pending_revocations_pkey" PRIMARY KEY ("key")
);
