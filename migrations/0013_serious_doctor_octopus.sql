CREATE TABLE "account_balances" (
	"id" uuid PRIMARY KEY NOT NULL,
	"balance" integer NOT NULL,
	"entries" integer NOT NULL
);
