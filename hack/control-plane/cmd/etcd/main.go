// Command etcd is etcd's own server main, built at the version kube-apiserver was released with,
// because Debian's etcd-server (3.4) predates what current kube-apiserver expects of it.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
