CREATE TABLE "wecom_cards" (
	"task_id" text PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"user_id" text NOT NULL,
	"response_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wecom_kf_cursors" (
	"open_kfid" text PRIMARY KEY NOT NULL,
	"cursor" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wecom_kf_customers" (
	"external_userid" text PRIMARY KEY NOT NULL,
	"open_kfid" text NOT NULL,
	"last_message_at" timestamp with time zone NOT NULL,
	"last_msgid" text NOT NULL,
	"replies_since" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "wecom_cards_conversation_user_idx" ON "wecom_cards" USING btree ("conversation_id","user_id");