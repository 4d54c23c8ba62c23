/*
 * The staff web desk (帮办工作台). Plain browser JavaScript, no build step. Talks to /api/desk/*
 * with the session from sign-in (a per-tab bearer token, else the HttpOnly cookie) and listens to
 * /api/desk/events for notifications; the queue and the open transcript are also re-read now and
 * then, so a dropped stream only delays things.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'bangban.desk.token';
  var QUEUE_POLL_MS = 10000;
  var TRANSCRIPT_POLL_MS = 5000;
  var STATES = {
    bot: '小申应答中',
    queued: '排队待接',
    assigned: '已分派',
    active: '处理中',
    resolved: '已结束',
    pushed_12345: '已转12345',
    abandoned: '已放弃',
  };
  var CLOSED = { resolved: true, pushed_12345: true, abandoned: true };
  var SENDERS = { citizen: '市民', bot: '小申', staff: '帮办', system: '系统' };
  var COMMANDS = {
    resolve: {
      title: '结束会话',
      confirm: '确定结束这个会话吗？系统会询问市民问题是否已解决。',
      build: function () {
        return '/resolve';
      },
    },
    12345: {
      title: '转 12345 热线',
      label: '原因（必填）',
      required: true,
      build: function (a) {
        return '/12345 ' + a;
      },
    },
    transfer: {
      title: '转派给其他帮办人员',
      label: '转派给',
      picker: true,
      build: function (a) {
        return '/transfer ' + a;
      },
    },
    consult: {
      title: '请后台专家会商',
      label: '说明（可选）',
      build: function (a) {
        return a ? '/consult ' + a : '/consult';
      },
    },
    tech: {
      title: '请求技术支持',
      label: '问题说明（可选）',
      build: function (a) {
        return a ? '/tech ' + a : '/tech';
      },
    },
    kb: {
      title: '查知识库',
      label: '关键词',
      required: true,
      build: function (a) {
        return '/kb ' + a;
      },
    },
    note: {
      title: '内部备注（市民看不到）',
      label: '备注内容',
      required: true,
      build: function (a) {
        return '/note ' + a;
      },
    },
  };

  var $ = function (id) {
    return document.getElementById(id);
  };
  var token = null;
  try {
    token = sessionStorage.getItem(TOKEN_KEY);
  } catch (e) {
    /* cookie only */
  }

  var me = null;
  var can = {};
  var clockOffset = 0; // server time − browser time
  var queue = [];
  var current = null; // the open conversation
  var lastMessageId = 0;
  var staffList = null;
  var transcriptTimer = null;

  // ---- HTTP ------------------------------------------------------------------------------------

  function api(method, path, body) {
    var init = { method: method, headers: {}, credentials: 'same-origin' };
    if (token) init.headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      if (res.status === 401) {
        signedOut();
        throw new Error('登录已过期');
      }
      if (res.status === 204) return null;
      return res.json().then(function (json) {
        if (!res.ok) {
          var error = new Error((json.error && json.error.message) || 'HTTP ' + res.status);
          error.status = res.status;
          error.code = json.error && json.error.code;
          throw error;
        }
        return json;
      });
    });
  }

  function signedOut() {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* ignore */
    }
    location.replace('/desk/login');
  }

  function serverNow() {
    return Date.now() + clockOffset;
  }

  function syncClock(iso) {
    var t = Date.parse(iso);
    if (!isNaN(t)) clockOffset = t - Date.now();
  }

  // ---- start -----------------------------------------------------------------------------------

  api('GET', '/api/desk/me')
    .then(function (body) {
      me = body.staff;
      can = body.can || {};
      syncClock(body.now);
      $('me').textContent = me.name + '（' + me.id + '）';
      if (can.viewAll) $('all-toggle').hidden = false;
      if (!can.read) {
        $('empty').textContent = '您的角色没有工作台权限。';
        return;
      }
      refreshQueue();
      listen();
      setInterval(refreshQueue, QUEUE_POLL_MS);
      setInterval(tick, 1000);
    })
    .catch(function () {
      /* signedOut() already redirected */
    });

  $('logout').addEventListener('click', function () {
    api('POST', '/api/desk/logout').then(signedOut, signedOut);
  });
  $('show-all').addEventListener('change', refreshQueue);

  // ---- queue -----------------------------------------------------------------------------------

  function refreshQueue() {
    var all = $('show-all').checked;
    return api('GET', '/api/desk/conversations' + (all ? '?all=1' : ''))
      .then(function (body) {
        syncClock(body.now);
        queue = body.conversations;
        renderQueue();
        if (current) {
          var fresh = queue.filter(function (c) {
            return c.id === current.id;
          })[0];
          if (fresh) {
            current = fresh;
            renderHead();
          } else if (!CLOSED[current.state] && !current.gone) reloadCurrent();
        }
      })
      .catch(function (error) {
        toast('刷新队列失败：' + error.message, 'error');
      });
  }

  function renderQueue() {
    var mine = [],
      waiting = [],
      others = [];
    queue.forEach(function (c) {
      if (c.assigneeId === me.id) mine.push(c);
      else if (!c.assigneeId) waiting.push(c);
      else others.push(c);
    });
    fillList($('mine'), mine, '暂无');
    fillList($('waiting'), waiting, '暂无待接会话');
    $('others-box').hidden = others.length === 0;
    fillList($('others'), others, '');
    var urgent =
      mine.filter(function (c) {
        return c.slaDueAt && !c.firstHumanResponseAt;
      }).length + waiting.length;
    document.title = (urgent ? '(' + urgent + ') ' : '') + '帮办工作台';
  }

  function fillList(list, conversations, emptyText) {
    while (list.firstChild) list.removeChild(list.firstChild);
    if (conversations.length === 0 && emptyText) {
      list.appendChild(el('li', { className: 'none', textContent: emptyText }));
      return;
    }
    conversations.forEach(function (c) {
      var item = el('li', {});
      var button = el('button', {
        type: 'button',
        className: 'conv-item' + (current && current.id === c.id ? ' selected' : ''),
      });
      button.setAttribute('data-id', c.id);
      button.appendChild(el('span', { className: 'code', textContent: '#' + c.code }));
      button.appendChild(el('span', { className: 'item', textContent: c.itemName || '未分类' }));
      button.appendChild(el('span', { className: 'state', textContent: STATES[c.state] || c.state }));
      var sla = el('span', { className: 'sla' });
      sla.setAttribute('data-sla', c.slaDueAt && !c.firstHumanResponseAt ? c.slaDueAt : '');
      button.appendChild(sla);
      button.appendChild(el('span', { className: 'preview', textContent: c.preview || '' }));
      button.addEventListener('click', function () {
        open(c.id);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    tick();
  }

  // ---- SLA countdown ---------------------------------------------------------------------------

  function tick() {
    var nodes = document.querySelectorAll('[data-sla]');
    for (var i = 0; i < nodes.length; i += 1) {
      var due = Date.parse(nodes[i].getAttribute('data-sla'));
      if (isNaN(due)) {
        nodes[i].textContent = '';
        continue;
      }
      var left = Math.round((due - serverNow()) / 1000);
      nodes[i].textContent = left >= 0 ? '剩余 ' + left + ' 秒' : '已超时 ' + -left + ' 秒';
      nodes[i].className = 'sla ' + (left < 0 ? 'over' : left <= 10 ? 'urgent' : left <= 30 ? 'soon' : 'ok');
    }
  }

  // ---- conversation ----------------------------------------------------------------------------

  function open(id) {
    return api('GET', '/api/desk/conversations/' + encodeURIComponent(id))
      .then(function (body) {
        syncClock(body.now);
        current = body.conversation;
        lastMessageId = 0;
        var transcript = $('transcript');
        while (transcript.firstChild) transcript.removeChild(transcript.firstChild);
        body.messages.forEach(showMessage);
        $('empty').hidden = true;
        $('conv').hidden = false;
        renderHead();
        renderQueue();
        if (transcriptTimer) clearInterval(transcriptTimer);
        transcriptTimer = setInterval(fetchNewMessages, TRANSCRIPT_POLL_MS);
        $('reply-text').focus();
      })
      .catch(function (error) {
        toast('打开会话失败：' + error.message, 'error');
      });
  }

  /** The open conversation left the queue (closed, transferred …): show its state as it is now. */
  function reloadCurrent() {
    var id = current.id;
    api('GET', '/api/desk/conversations/' + encodeURIComponent(id) + '/messages?after=' + lastMessageId)
      .then(function (body) {
        if (current && current.id === id) body.messages.forEach(showMessage);
        return api('GET', '/api/desk/conversations/' + encodeURIComponent(id));
      })
      .then(function (body) {
        if (!current || current.id !== id) return;
        current = body.conversation;
        renderHead();
      })
      .catch(function () {
        // No longer visible to this staff member (transferred away …): read-only from now on.
        if (!current || current.id !== id) return;
        current.gone = true;
        renderHead();
      });
  }

  function renderHead() {
    $('conv-title').textContent = '#' + current.code + ' · ' + (current.itemName || '未分类事项');
    var who = current.assigneeId
      ? current.assigneeId === me.id
        ? '我'
        : current.assigneeName || current.assigneeId
      : '无人接单';
    $('conv-state').textContent =
      (STATES[current.state] || current.state) + ' · ' + who + (current.gone ? ' · 已不在您的队列' : '');
    $('conv-sla').setAttribute(
      'data-sla',
      current.slaDueAt && !current.firstHumanResponseAt ? current.slaDueAt : '',
    );
    var closed = !!CLOSED[current.state];
    $('claim').hidden = !!current.assigneeId || !can.claim || closed;
    // Only the KB lookup makes sense in a conversation that is not (or no longer) one's own.
    var mine = current.assigneeId === me.id && !closed && !current.gone;
    var controls = $('reply').querySelectorAll('textarea, button');
    for (var i = 0; i < controls.length; i += 1)
      controls[i].disabled = !can.act || (!mine && controls[i].getAttribute('data-command') !== 'kb');
    tick();
  }

  function fetchNewMessages() {
    if (!current) return;
    var id = current.id;
    api('GET', '/api/desk/conversations/' + encodeURIComponent(id) + '/messages?after=' + lastMessageId)
      .then(function (body) {
        if (current && current.id === id) body.messages.forEach(showMessage);
      })
      .catch(function () {
        /* next poll retries */
      });
  }

  function showMessage(message) {
    if (message.id <= lastMessageId) return;
    lastMessageId = message.id;
    var transcript = $('transcript');
    var line = el('div', {
      className: 'line from-' + message.senderKind + (message.kind === 'event' ? ' event' : ''),
    });
    var meta = SENDERS[message.senderKind] || message.senderKind;
    if (message.staffId) meta += ' ' + message.staffId;
    line.appendChild(el('span', { className: 'who', textContent: meta }));
    line.appendChild(el('time', { dateTime: message.createdAt, textContent: clock(message.createdAt) }));
    var body = el('div', { className: 'body' });
    if (message.kind === 'event') {
      var itemId = message.body.replace(/^item:/, '');
      var itemName = current && current.itemId === itemId && current.itemName ? current.itemName : itemId;
      body.textContent = '（市民从事项页面进入：' + itemName + '）';
    } else if (message.mediaUrl && MEDIA_KINDS[message.kind]) {
      body.appendChild(mediaNode(message));
    } else body.textContent = message.body;
    line.appendChild(body);
    transcript.appendChild(line);
    transcript.scrollTop = transcript.scrollHeight;
  }

  $('claim').addEventListener('click', function () {
    if (!current) return;
    api('POST', '/api/desk/conversations/' + encodeURIComponent(current.id) + '/claim')
      .then(function (body) {
        current = body.conversation;
        toast('已接单 #' + current.code + '，请尽快回复');
        renderHead();
        refreshQueue();
      })
      .catch(function (error) {
        toast('接单失败：' + error.message, 'error');
        refreshQueue();
      });
  });

  $('reply').addEventListener('submit', function (event) {
    event.preventDefault();
    sendReply();
  });
  $('reply-text').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      sendReply();
    }
  });

  function sendReply() {
    var box = $('reply-text');
    var text = box.value.trim();
    if (!text || !current) return;
    box.disabled = true;
    api('POST', '/api/desk/conversations/' + encodeURIComponent(current.id) + '/messages', { text: text })
      .then(function (result) {
        box.value = '';
        if (result.action !== 'reply') toast('已执行：' + result.action);
        fetchNewMessages();
        refreshQueue();
      })
      .catch(function (error) {
        toast('发送失败：' + error.message, 'error');
      })
      .then(function () {
        box.disabled = false;
        box.focus();
      });
  }

  // ---- commands --------------------------------------------------------------------------------

  var buttons = document.querySelectorAll('[data-command]');
  for (var b = 0; b < buttons.length; b += 1) {
    buttons[b].addEventListener('click', function (event) {
      runCommand(event.currentTarget.getAttribute('data-command'));
    });
  }

  function runCommand(name) {
    var command = COMMANDS[name];
    if (!command || !current) return;
    if (command.confirm) {
      if (window.confirm(command.confirm)) send(command.build(''));
      return;
    }
    var ready = command.picker ? loadStaff() : Promise.resolve();
    ready.then(function () {
      ask(command, function (value) {
        send(command.build(value));
      });
    });
  }

  function send(text) {
    var conversationId = current && current.id;
    api('POST', '/api/desk/commands', { text: text, conversationId: conversationId })
      .then(function (result) {
        toast('已执行：' + describe(result.action));
        fetchNewMessages();
        refreshQueue();
      })
      .catch(function (error) {
        toast(error.message, 'error');
      });
  }

  function describe(action) {
    var names = {
      resolve: '结束会话',
      push_12345: '转12345',
      transfer: '转派',
      consult: '会商',
      tech: '技术支持',
      kb: '查知识库',
      note: '备注',
    };
    return names[action] || action;
  }

  function loadStaff() {
    if (staffList) return Promise.resolve(staffList);
    return api('GET', '/api/desk/staff').then(function (body) {
      staffList = body.staff.filter(function (s) {
        return (
          s.id !== me.id &&
          s.roles.some(function (r) {
            return r === 'helper' || r === 'backup';
          })
        );
      });
      return staffList;
    });
  }

  function ask(command, done) {
    var dialog = $('ask');
    var input = $('ask-input');
    var select = $('ask-select');
    $('ask-title').textContent = command.title;
    $('ask-label').textContent = command.label;
    input.value = '';
    input.required = !!command.required;
    input.hidden = !!command.picker;
    select.hidden = !command.picker;
    $('ask-label').htmlFor = command.picker ? 'ask-select' : 'ask-input';
    if (command.picker) {
      while (select.firstChild) select.removeChild(select.firstChild);
      staffList.forEach(function (s) {
        select.appendChild(el('option', { value: s.id, textContent: s.name + '（' + s.id + '）' }));
      });
    }
    dialog.onclose = function () {
      if (dialog.returnValue !== 'ok') return;
      var value = command.picker ? select.value : input.value.trim();
      if (command.required && !value) return;
      done(value);
    };
    dialog.showModal();
    (command.picker ? select : input).focus();
  }

  // ---- live events -----------------------------------------------------------------------------

  /** Server-sent events over fetch, so the per-tab bearer token can be sent as a header. */
  function listen() {
    var backoff = 1000;
    var connect = function () {
      var headers = { Accept: 'text/event-stream' };
      if (token) headers.Authorization = 'Bearer ' + token;
      fetch('/api/desk/events', { headers: headers, credentials: 'same-origin' })
        .then(function (res) {
          if (res.status === 401) return signedOut();
          if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
          setLive('实时连接正常', 'on');
          backoff = 1000;
          return read(res.body.getReader());
        })
        .catch(function () {
          /* retried below */
        })
        .then(function () {
          setLive('实时连接中断，' + Math.round(backoff / 1000) + ' 秒后重连（队列仍定时刷新）', 'off');
          setTimeout(connect, backoff);
          backoff = Math.min(backoff * 2, 30000);
        });
    };
    connect();
  }

  function read(reader) {
    var decoder = new TextDecoder();
    var buffer = '';
    var pump = function () {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          handleBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        return pump();
      });
    };
    return pump();
  }

  function handleBlock(block) {
    var event = 'message';
    var data = '';
    block.split('\n').forEach(function (line) {
      if (line.indexOf('event:') === 0) event = line.slice(6).trim();
      else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
    });
    if (!data) return;
    var payload;
    try {
      payload = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (event === 'hello') syncClock(payload.now);
    else if (event === 'notification') onNotification(payload);
  }

  function onNotification(n) {
    var c = n.conversation;
    var code = c ? '#' + c.code : '';
    switch (n.type) {
      case 'new_conversation':
        toast(
          '新会话 ' + code + '（' + (c.itemName || '未分类') + '）' + (n.claimable ? '，可接单' : ''),
          'warn',
          false,
          c,
        );
        break;
      case 'assigned':
        toast('会话 ' + code + ' 已分派给您，请在 1 分钟内回复', 'warn', false, c);
        break;
      case 'reminder':
        toast(
          '提醒：' + code + ' 还有 ' + n.secondsLeft + ' 秒超时',
          n.level === 2 ? 'error' : 'warn',
          false,
          c,
        );
        break;
      case 'breach':
        toast('超时：' + code + ' 已超过响应时限，已升级处理', 'error', false, c);
        break;
      case 'citizen_message':
        if (current && c && current.id === c.id) fetchNewMessages();
        else toast(code + ' 市民：' + n.text);
        break;
      case 'claimed':
        toast(code + ' 已被 ' + n.byName + ' 接单');
        break;
      case 'consult':
        toast(
          n.fromName +
            ' 请求' +
            (n.kind === 'tech' ? '技术支持' : '会商') +
            ' ' +
            code +
            (n.text ? '：' + n.text : ''),
          'warn',
          true,
          c,
        );
        break;
      case 'closed':
        toast(code + ' 已结束');
        break;
      case 'info':
        toast(n.text, 'info', true);
        if (current && n.conversationId === current.id) fetchNewMessages();
        break;
      default:
        break;
    }
    refreshQueue();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  function setLive(text, state) {
    var live = $('live');
    live.textContent = text;
    live.className = 'live ' + state;
  }

  /** A notice in the corner; with `conversation`, a 查看 button opens it. */
  function toast(text, kind, sticky, conversation) {
    var box = el('div', { className: 'toast ' + (kind || 'info') });
    box.appendChild(el('span', { className: 'toast-text', textContent: text }));
    if (conversation && conversation.id) {
      var view = el('button', { type: 'button', textContent: '查看' });
      view.addEventListener('click', function () {
        box.remove();
        open(conversation.id);
      });
      box.appendChild(view);
    }
    var close = el('button', { type: 'button', className: 'plain', textContent: '×' });
    close.setAttribute('aria-label', '关闭提示');
    close.addEventListener('click', function () {
      box.remove();
    });
    box.appendChild(close);
    $('toasts').appendChild(box);
    if (!sticky)
      setTimeout(
        function () {
          box.remove();
        },
        kind === 'error' ? 15000 : 8000,
      );
  }

  var MEDIA_KINDS = { image: '图片', voice: '语音', video: '视频', file: '文件' };

  /** The file name in a media line (`[文件] 申请表.pdf`), if there is one. */
  function mediaFileName(text) {
    var match = /^\[(?:图片|语音|视频|文件)\] ([\s\S]+)$/.exec(text || '');
    return match ? match[1].trim() : '';
  }

  /**
   * A media message by its kind: a picture (opens full size), a player for sound and video (with a
   * download link: WeChat's AMR voice does not play in every browser), a download link by name.
   */
  function mediaNode(message) {
    var url = message.mediaUrl;
    var label = MEDIA_KINDS[message.kind];
    var name = mediaFileName(message.body) || label;
    if (message.kind === 'image') {
      var link = el('a', { href: url, target: '_blank', rel: 'noopener' });
      var image = el('img', { src: url, alt: '服务对象发送的图片', className: 'thumb' });
      image.onerror = function () {
        link.replaceWith(el('span', { className: 'media-missing', textContent: '［图片无法显示］' }));
      };
      link.appendChild(image);
      return link;
    }
    if (message.kind === 'voice' || message.kind === 'video') {
      var box = el('div', { className: 'media' });
      var player = el(message.kind === 'voice' ? 'audio' : 'video', {
        src: url,
        controls: true,
        preload: 'metadata',
        className: message.kind === 'voice' ? 'audio' : 'video',
      });
      box.appendChild(player);
      box.appendChild(fileLink(url, name, '下载' + label));
      return box;
    }
    return fileLink(url, name, name);
  }

  function fileLink(url, fileName, text) {
    var link = el('a', { href: url, className: 'file', textContent: text });
    link.setAttribute('download', fileName);
    return link;
  }

  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props).forEach(function (key) {
      node[key] = props[key];
    });
    return node;
  }

  function clock(iso) {
    var date = new Date(iso);
    return (
      ('0' + date.getHours()).slice(-2) +
      ':' +
      ('0' + date.getMinutes()).slice(-2) +
      ':' +
      ('0' + date.getSeconds()).slice(-2)
    );
  }
})();
