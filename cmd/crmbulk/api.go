package main

const defaultEndpoint = "https://api.baselinker.com/connector.php"
