/** Request and response shapes of the WeCom APIs bangban calls (protocols §5), in WeCom's field names. */

export type MediaType = 'image' | 'voice' | 'video' | 'file';

export interface MediaFile {
  data: Buffer;
  contentType: string;
  fileName: string;
}

export interface CardButton {
  text: string;
  /** 1 blue … 4; default 1. */
  style?: 1 | 2 | 3 | 4;
  /** Comes back as the event's EventKey. */
  key: string;
}

/** template_card of type button_interaction (doc 90236), the subset bangban fills. */
export interface ButtonInteractionCard {
  card_type: 'button_interaction';
  source?: { desc: string; desc_color?: number };
  main_title: { title: string; desc?: string };
  sub_title_text?: string;
  /** ≤ 6 rows. */
  horizontal_content_list?: { keyname: string; value: string }[];
  /** Unique per app, [0-9a-zA-Z_-@], ≤ 128 bytes, never reused. */
  task_id: string;
  /** ≤ 6 buttons. */
  button_list: CardButton[];
}

/** The message part of message/send (recipients and content; agentid is added by the client). */
export type AppMessage = { touser: string } & (
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: ButtonInteractionCard }
  | {
      msgtype: MediaType;
      image?: { media_id: string };
      voice?: { media_id: string };
      video?: { media_id: string };
      file?: { media_id: string };
    }
);

export interface SendMessageResult {
  msgId: string;
  /** Returned for interactive cards: updates the card once within 72 h. */
  responseCode?: string;
  /** Recipients WeCom refused (lower-cased by WeCom). */
  invalidUsers: string[];
}

export interface TemplateCardUpdate {
  userIds: string[];
  responseCode: string;
  replaceName: string;
}

export type AppChatMessage =
  { msgtype: 'text'; text: { content: string } } | { msgtype: 'markdown'; markdown: { content: string } };

/** Group robot webhook bodies (doc 91770). `mentioned_list` works for text only. */
export type RobotMessage =
  | { msgtype: 'text'; text: { content: string; mentioned_list?: string[] } }
  | { msgtype: 'markdown'; markdown: { content: string } };

/** One entry of kf/sync_msg's msg_list (origin 3 = citizen, 4 = system event, 5 = servicer). */
export interface KfSyncItem {
  msgid: string;
  open_kfid: string;
  external_userid?: string;
  send_time: number;
  origin: number;
  servicer_userid?: string;
  msgtype: string;
  text?: { content: string; menu_id?: string };
  image?: { media_id: string };
  voice?: { media_id: string };
  video?: { media_id: string };
  file?: { media_id: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  link?: { title?: string; desc?: string; url: string; pic_url?: string };
  event?: {
    event_type: string;
    open_kfid?: string;
    external_userid?: string;
    scene?: string;
    scene_param?: string;
    welcome_code?: string;
    fail_msgid?: string;
    fail_type?: number;
  };
}

export interface KfSyncResponse {
  nextCursor: string;
  hasMore: boolean;
  messages: KfSyncItem[];
}

/** kf/send_msg bodies: text, media by media_id, link, and msgmenu for short choice lists. */
export type KfMessage = { touser: string; open_kfid: string; msgid?: string } & (
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'voice'; voice: { media_id: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } }
  | { msgtype: 'link'; link: { title: string; desc?: string; url: string; thumb_media_id: string } }
  | {
      msgtype: 'msgmenu';
      msgmenu: {
        head_content?: string;
        list: { type: 'click'; click: { id: string; content: string } }[];
        tail_content?: string;
      };
    }
);
