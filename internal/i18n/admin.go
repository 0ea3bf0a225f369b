package i18n

// adminMessages are the newsroom admin's words.
var adminMessages = []msg{}
