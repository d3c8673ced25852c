UPDATE journal SET attached_to = ? WHERE entry_id = ?
